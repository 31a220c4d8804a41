"""Helpers shared by the tests: real git repositories, hook scripts, sample inputs."""
