"""The Merkle log: appending leaves, signing checkpoints, serving proofs."""
