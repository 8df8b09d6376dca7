"""What users see: citations and the document view, JSON records, exploration and evaluation."""
