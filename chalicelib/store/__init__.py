"""DynamoDB through pynamodb: the only package that knows table layout."""
