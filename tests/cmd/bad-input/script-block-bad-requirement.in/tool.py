#!/usr/bin/env python3
# /// script
# requires-python = ">=3.10"
# dependencies = [
#   "rich>=13",
#   "httpx ==",
# ]
# ///
print("never runs")
