"""Measuring: evaluation on annotated sets, comparison and ablation reports, plots, rule
measurement and cross-validation of the training workflow."""
