"""Points for agencies and their staff, and the activity index of institutions, agencies and cities."""
