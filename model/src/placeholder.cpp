// Placeholder: replaced as the model library grows.
