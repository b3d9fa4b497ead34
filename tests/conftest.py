"""Test configuration: the Hypothesis profiles of theory.profiles.

``pytest --hypothesis-profile thorough`` (Hypothesis' own option) overrides the default chosen here
from NONCOMMUTE_HYPOTHESIS_PROFILE / CI.
"""

from theory.profiles import load_profile

load_profile()
