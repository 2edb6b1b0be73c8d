"""Reports written from the decision trail and the timeline: pathway lines and the year report."""
