"""The click-to-call company's web pages (``/company``): log in, requests live and failed with a
call back, comments, campaigns and operators, statistics with charts, invoices."""
