"""The draft's lemmas measured on neural networks through torch.func (gradients, HVPs, Jacobians)."""
