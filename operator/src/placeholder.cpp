// Placeholder: replaced as the operator library grows.
