"""The IO manager that keeps every asset's value in the MediaStore, under the same key template
as the media itself: projects/<project>/<asset>/<asset>.<ext> (film_assets/storage_keys.py).

Tables are parquet, manifests and parsed documents JSON, text as text: formats a person can open.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from dagster import ConfigurableIOManager, InputContext, OutputContext

from film_assets.storage_keys import ASSET_VALUE_FORMATS, asset_value_key
from resources.media_store import MediaStore


def read_parquet_bytes(data: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """A stored table, read on the calling thread. Arrow's own thread pools (parallel decoding and
    pre-buffered reads) can still be running at interpreter exit and abort the process there
    ("terminate called without an active exception", apache/arrow#34314): 4 of 60 processes that
    read a shot list and exited crashed so, none of 120 with the pools unused. A shot list is a few
    KB: threads buy nothing here."""
    return pd.read_parquet(io.BytesIO(data), columns=columns, use_threads=False, pre_buffer=False)


def _key(context: InputContext | OutputContext, extension: str) -> str:
    return asset_value_key(context.partition_key, context.asset_key.path[-1], extension)


class MediaStoreIOManager(ConfigurableIOManager):
    media_store: MediaStore

    def handle_output(self, context: OutputContext, obj) -> None:
        if isinstance(obj, pd.DataFrame):
            buffer = io.BytesIO()
            obj.to_parquet(buffer, index=False)
            key = self.media_store.put_bytes(_key(context, "parquet"), buffer.getvalue())
        elif isinstance(obj, str):
            key = self.media_store.put_bytes(_key(context, "txt"), obj.encode())
        else:
            key = self.media_store.put_bytes(
                _key(context, "json"), json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode()
            )
        context.add_output_metadata({"stored_at": self.media_store.uri(key)})

    def load_input(self, context: InputContext):
        for extension in ASSET_VALUE_FORMATS:
            key = _key(context, extension)  # an input's asset_key is the upstream asset's
            if self.media_store.exists(key):
                data = self.media_store.get_bytes(key)
                if extension == "parquet":
                    return read_parquet_bytes(data)
                return json.loads(data) if extension == "json" else data.decode()
        raise FileNotFoundError(
            f"asset {context.asset_key.to_user_string()} has no stored value for project "
            f"{context.partition_key!r}: materialize it first"
        )
