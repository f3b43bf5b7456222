"""A realistic demo data set, loaded through the trips API's public HTTP interface."""
