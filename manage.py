#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
    if sys.argv[1:2] == ["demo"]:  # the product's own run command: DEBUG off, see exchsim/settings.py
        os.environ.setdefault("EXCHSIM_DEMO", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
