// Placeholder: replaced as the api library grows.
