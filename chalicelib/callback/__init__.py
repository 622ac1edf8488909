"""The callback product: prepaid calls placed back to the caller, and their triggers."""
