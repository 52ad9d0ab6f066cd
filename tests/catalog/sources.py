"""Test helpers for the refresh driver: a catalog row as a fetcher would answer it."""

from __future__ import annotations

from infra.catalog import Offer
from infra.catalog.refresh import FetchedOffer, FetchedSpot


def fetched(offer: Offer, spot: FetchedSpot | None = None) -> FetchedOffer:
    """``offer`` as a fetcher's answer (every fact given), with ``spot`` if any."""
    return FetchedOffer(
        offer.instance_type,
        offer.region,
        offer.gpu,
        offer.gpus,
        offer.gpu_memory_gib,
        offer.vcpus,
        offer.memory_gib,
        offer.rdma,
        offer.rdma_gbps,
        offer.price_usd_hour,
        spot,
    )
