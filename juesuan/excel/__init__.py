"""Excel-side pieces of 决算助手: the ribbon add-in build/install and its VBA plumbing."""
