"""Making the training data and the weights: corpus building, cached head training, threshold
tuning and the weakly labelled corpus. Nothing here is imported at run time."""

# Defaults shared by the library and the command line, chosen on cross-validation
# (docs/designs.md, "All the gold in training"): the share of the gold held out for `spacy
# train` to log, and the cached head epochs over the gold training and held-out docs.
DEV_FRACTION = 0.05
HEAD_EPOCHS = 17
