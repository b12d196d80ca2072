// Placeholder: replaced as the controllers library grows.
