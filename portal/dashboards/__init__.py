"""What managers and the home page read: funnels, trends, city figures and the home metrics."""
