"""The promotion sensor, evaluated against a real instance."""

import dagster as dg

from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.leads.sensors import promote_after_enrichment
from leadgen_pipeline.steps import search_partitions


def test_a_drain_promotes_the_searches_it_touched(instance):
    instance.add_dynamic_partitions(search_partitions.name, ["a@b", "c@d"])
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            "queued_enrichment", metadata={"searches": dg.MetadataValue.json(["a@b", "c@d"])}
        )
    )
    context = dg.build_sensor_context(
        instance=instance, definitions=build_definitions(), instance_ref=instance.get_ref()
    )
    requests = promote_after_enrichment.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["a@b", "c@d"]
    assert len({r.run_key for r in requests}) == 2
