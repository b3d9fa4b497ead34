"""Test configuration: the Hypothesis profiles of theory.checking.profiles.

``pytest --hypothesis-profile thorough`` (Hypothesis' own option) overrides the default chosen here
from NONCOMMUTE_HYPOTHESIS_PROFILE / CI.
"""

from theory.checking.profiles import load_profile

load_profile()
