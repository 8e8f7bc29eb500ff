# /// script
# dependencies = ["rich"]
# [tool.penv]
# requirements = ["httpx"]
# ///
