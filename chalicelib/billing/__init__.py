"""The billing product: tariffs, prepaid callback accounts and the money of calls."""
