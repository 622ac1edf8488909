"""E-mail: inbound mail parsed and handed once to the products' consumers; outbound mail via SES."""
