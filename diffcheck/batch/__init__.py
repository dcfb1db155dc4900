"""batch: sample files, `verify`, and the worker pool that checks them."""
