"""Homework features: worked derivations, grading with likely slips, the operations on
small matrices, solving for hyperparameters, and homework sheets. They use the engine's
formulas and results; the engine never imports them."""
