"""One query at a time, fast: the local model's transformer run by ONNX Runtime.

A search embeds one short query per call. For that shape torch spends about twice ONNX Runtime's
time (all-MiniLM-L6-v2, one thread, 8-token queries: 19-25 ms against 10 ms), most of it in
per-call overhead rather than in the math. So once the model is loaded, its transformer is
exported to an ONNX graph in memory (no file: nothing to go stale when the model changes),
checked against torch on probe texts, and used only if the two agree to within float rounding.
The vectors are the same vectors (so the stored ones stay valid and the model label does not
change); anything unexpected leaves the torch path in charge.

Only the common sentence-transformers shape is exported: a Transformer, mean pooling, and an
optional Normalize. Any other model keeps torch.
"""

from __future__ import annotations

import copy
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: texts the export is checked on: short and long, punctuation, a word the vocabulary splits
PROBES = (
    "cordless drill",
    "stop the draught under the door before winter, without calling anyone in",
    "Hexmoor 18V brushless hammer-drill kit (2 x 2.0Ah)",
)
#: the largest difference allowed between the two runtimes on a normalised vector component
TOLERANCE = 1e-4
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def available() -> bool:
    """ONNX Runtime and the exporter's ``onnx`` package are installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _mean_pooling_only(model: Any) -> bool:
    """The model is Transformer -> mean Pooling (-> Normalize), nothing else."""
    names = [type(module).__name__ for module in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    config = model[1].get_config_dict()
    if "pooling_mode" in config:  # sentence-transformers 6: one named mode
        return bool(config["pooling_mode"] == "mean" and config.get("include_prompt", True))
    modes = {key: value for key, value in config.items() if key.startswith("pooling_mode_")}
    return bool(modes.get("pooling_mode_mean_tokens")) and sum(map(bool, modes.values())) == 1


@dataclass(frozen=True)
class ExportParts:
    """Private copies of what the export needs, taken on the embedder's worker thread (a fast
    tokenizer must not be used from two threads at once)."""

    transformer: Any
    tokenizer: Any
    max_length: int


def export_parts(model: Any) -> ExportParts | None:
    """Copies of ``model``'s transformer and tokenizer, or ``None`` for another model shape."""
    if not available() or not _mean_pooling_only(model):
        return None
    return ExportParts(
        transformer=copy.deepcopy(model[0].auto_model).eval(),
        tokenizer=copy.deepcopy(model.tokenizer),
        max_length=int(model.max_seq_length),
    )


class OnnxEncoder:
    """Mean-pooled, normalised sentence vectors from an exported transformer graph."""

    def __init__(self, session: Any, tokenizer: Any, max_length: int, inputs: list[str]) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._max_length = max_length
        self._inputs = inputs

    @classmethod
    def build(cls, parts: ExportParts, *, threads: int) -> OnnxEncoder:
        """Trace the copied transformer into an in-memory graph and open a session on it (CPU
        heavy for a few seconds: run it off the embedding worker)."""
        import onnxruntime
        import torch

        sample = parts.tokenizer(["warm up"], return_tensors="pt")
        inputs = [name for name in _INPUTS if name in sample]

        class Graph(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, *tensors: Any) -> Any:
                return self.inner(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

        axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "hidden"]}
        buffer = io.BytesIO()
        # the tracer warns about constructs MiniLM-style models do not use (negative indices...);
        # the export is checked against torch before it is trusted, so the warnings are noise
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Graph(parts.transformer),
                tuple(sample[name] for name in inputs),
                buffer,  # type: ignore[arg-type]  # the exporter writes to file objects too
                input_names=inputs,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            buffer.getvalue(), options, providers=["CPUExecutionProvider"]
        )
        return cls(session, parts.tokenizer, parts.max_length, inputs)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised mean-pooled vectors, one row per text."""
        import numpy as np

        tokens = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_length, return_tensors="np"
        )
        feeds = {name: np.asarray(tokens[name], dtype=np.int64) for name in self._inputs}
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(hidden.dtype)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = pooled / np.clip(norms, 1e-12, None)
        return result

    def difference_from(self, model: Any) -> float:
        """The largest component difference from torch's vectors for :data:`PROBES`."""
        import numpy as np

        reference = model.encode(
            list(PROBES),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,  # no progress bar in the server's log
        )
        ours = np.vstack([self.encode([probe]) for probe in PROBES])
        together = self.encode(list(PROBES))  # padded batch: the mask must hide the padding
        return float(max(np.abs(ours - reference).max(), np.abs(together - reference).max()))
