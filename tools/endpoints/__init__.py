"""Local cloud API endpoints for tests and `make demo`: moto for AWS, small servers for Azure and Alibaba Cloud."""
