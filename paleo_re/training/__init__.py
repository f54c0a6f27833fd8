"""Making the training data and the weights: corpus building, cached head training, threshold
tuning and the weakly labelled corpus. Nothing here is imported at run time."""
