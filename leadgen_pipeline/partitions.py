"""The search partition: one dynamic partition per "keyword in location".

Key format and validation live in `domain.search_request` (see its docstring):
`plumber@austin-tx`. The name is specific because dynamic-partition names are
global to a Dagster instance, shared by every code location.
"""

from dagster import DynamicPartitionsDefinition

SEARCH_PARTITIONS_NAME = "leadgen_searches"

search_partitions = DynamicPartitionsDefinition(name=SEARCH_PARTITIONS_NAME)
