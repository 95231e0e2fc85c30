#!/usr/bin/env python3
"""Generate the tiny CLIP-architecture test model in assets/test-models/tiny-clip/.

The model has the architecture and the input/output names of the transformers.js (Xenova) CLIP
exports, so asal-fm's loader, preprocessing and pooling run on it exactly as on a real CLIP:

  onnx/vision_model.onnx       pixel_values f32 [batch, 3, 32, 32] -> image_embeds f32 [batch, 16]
      patch-embedding conv (8x8, stride 8, no bias), class token, position embeddings, pre-layernorm,
      2 pre-LN transformer blocks (2 heads, width 32, QuickGELU MLP 64), post-layernorm of the class
      token, projection 32 -> 16 without bias.
  onnx/vision_model_fp16.onnx  the same weights with f16 input and output (casts at the edges), to
      exercise the f16 input path.
  ../tiny-clip-combined/model.onnx  both towers in one graph (inputs input_ids, attention_mask,
      pixel_values; outputs text_embeds, image_embeds), as a combined `model.onnx` export.
  onnx/text_model.onnx         input_ids i64 [batch, seq], attention_mask i64 [batch, seq]
                               -> text_embeds f32 [batch, 16]
      token embedding, position embeddings (77), 2 causal pre-LN blocks with the attention mask,
      final layernorm, end-of-text pooling at argmax(input_ids) (the EOT id is the largest), projection.

To keep the committed files small, the token embedding has 1024 rows and is indexed by
input_ids mod 1024 (a real CLIP has 49408 rows, 6 MB even at this width). Everything else is the
real computation.

Weights are deterministic (numpy default_rng with fixed seeds). Golden outputs are computed with
Python onnxruntime on fixed inputs and saved in goldens.safetensors:
  frames        u8  [4, 32, 32, 4]  RGBA8 frames (a gradient, a checkerboard, noise, constant grey)
  pixel_values  f32 [4, 3, 32, 32]  the frames normalised with the CLIP mean/std (no resize)
  image_embeds  f32 [4, 16]         raw model outputs (not normalised)
  input_ids     i64 [3, 77]         ids of three fixture prompts, padded with the EOT id to 77
  attention_mask i64 [3, 77]
  text_embeds   f32 [3, 16]         raw model outputs (not normalised)
and goldens.json lists the prompts.

The tokenizer.json is not copied (3.6 MB); tests use ../shared/fixtures/clip/tokenizer.json.

Needs: numpy, onnx, onnxruntime (pip install numpy onnx onnxruntime). Re-runnable: it overwrites its
outputs and produces identical bytes each time.
"""

import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "test-models", "tiny-clip")
TOKEN_CASES = os.path.join(ROOT, "..", "shared", "fixtures", "clip", "token_cases.json")

IMAGE = 32
PATCH = 8
WIDTH = 32
HEADS = 2
MLP = 64
LAYERS = 2
EMBED = 16
CONTEXT = 77
VOCAB_ROWS = 1024
EOT = 49407
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
OPSET = 17


class Graph:
    """Collects nodes and initialisers with unique names."""

    def __init__(self, prefix, seed):
        self.prefix = prefix
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{self.prefix}/{hint}_{self.count}"

    def const(self, value, hint="const"):
        n = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def weight(self, shape, scale, hint="w"):
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32), hint)

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def layernorm(self, x):
        gamma = self.const((1.0 + 0.1 * self.rng.standard_normal(WIDTH)).astype(np.float32), "ln_g")
        beta = self.const((0.1 * self.rng.standard_normal(WIDTH)).astype(np.float32), "ln_b")
        return self.op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=1e-5)

    def linear(self, x, n_in, n_out, bias=True):
        y = self.op("MatMul", [x, self.weight((n_in, n_out), n_in**-0.5)])
        if bias:
            y = self.op("Add", [y, self.weight((n_out,), 0.02, "b")])
        return y

    def block(self, x, masks):
        """Pre-LN CLIP encoder layer: x + attn(ln1(x)); x + mlp(ln2(x))."""
        hd = WIDTH // HEADS
        h = self.layernorm(x)
        split = self.const(np.array([0, 0, HEADS, hd], dtype=np.int64), "heads")
        merge = self.const(np.array([0, 0, WIDTH], dtype=np.int64), "merge")

        def heads(t, perm):
            return self.op("Transpose", [self.op("Reshape", [t, split])], perm=perm)

        q = heads(self.linear(h, WIDTH, WIDTH), [0, 2, 1, 3])
        k = heads(self.linear(h, WIDTH, WIDTH), [0, 2, 3, 1])
        v = heads(self.linear(h, WIDTH, WIDTH), [0, 2, 1, 3])
        s = self.op("Mul", [self.op("MatMul", [q, k]), self.const(np.float32(hd**-0.5))])
        for m in masks:
            s = self.op("Add", [s, m])
        a = self.op("MatMul", [self.op("Softmax", [s], axis=-1), v])
        a = self.op("Reshape", [self.op("Transpose", [a], perm=[0, 2, 1, 3]), merge])
        x = self.op("Add", [x, self.linear(a, WIDTH, WIDTH)])
        h = self.linear(self.layernorm(x), WIDTH, MLP)
        # QuickGELU, as in OpenAI CLIP: x * sigmoid(1.702 x).
        h = self.op("Mul", [h, self.op("Sigmoid", [self.op("Mul", [h, self.const(np.float32(1.702))])])])
        return self.op("Add", [x, self.linear(h, MLP, WIDTH)])

    def model(self, inputs, outputs, name):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="asal make_test_models.py")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def vision_model(fp16):
    g = Graph("vision", seed=1)
    dtype = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
    x = "pixel_values"
    if fp16:
        x = g.op("Cast", [x], to=TensorProto.FLOAT)
    n_patches = (IMAGE // PATCH) ** 2
    p = g.op("Conv", [x, g.weight((WIDTH, 3, PATCH, PATCH), (3 * PATCH * PATCH) ** -0.5)],
             kernel_shape=[PATCH, PATCH], strides=[PATCH, PATCH])
    p = g.op("Reshape", [p, g.const(np.array([0, WIDTH, n_patches], dtype=np.int64))])
    p = g.op("Transpose", [p], perm=[0, 2, 1])  # [N, patches, W]
    batch = g.op("Slice", [g.op("Shape", [p]), g.const(np.array([0], dtype=np.int64)),
                           g.const(np.array([1], dtype=np.int64))])
    cls_shape = g.op("Concat", [batch, g.const(np.array([1, WIDTH], dtype=np.int64))], axis=0)
    cls = g.op("Expand", [g.weight((1, 1, WIDTH), 0.5, "cls"), cls_shape])
    t = g.op("Concat", [cls, p], axis=1)
    t = g.op("Add", [t, g.weight((1, n_patches + 1, WIDTH), 0.1, "pos")])
    t = g.layernorm(t)  # CLIP's pre_layrnorm
    for _ in range(LAYERS):
        t = g.block(t, [])
    c = g.op("Gather", [t, g.const(np.array(0, dtype=np.int64))], axis=1)  # class token [N, W]
    y = g.linear(g.layernorm(c), WIDTH, EMBED, bias=False)
    if fp16:
        y = g.op("Cast", [y], to=TensorProto.FLOAT16)
    g.nodes.append(helper.make_node("Identity", [y], ["image_embeds"]))
    return g.model(
        [helper.make_tensor_value_info("pixel_values", dtype, ["batch_size", 3, IMAGE, IMAGE])],
        [helper.make_tensor_value_info("image_embeds", dtype, ["batch_size", EMBED])],
        "tiny_clip_vision",
    )


def text_model():
    g = Graph("text", seed=2)
    ids = "input_ids"
    seq = g.op("Gather", [g.op("Shape", [ids]), g.const(np.array([1], dtype=np.int64))])
    zero = g.const(np.array([0], dtype=np.int64))
    rows = g.op("Mod", [ids, g.const(np.int64(VOCAB_ROWS))])
    t = g.op("Gather", [g.weight((VOCAB_ROWS, WIDTH), 0.5, "tok"), rows], axis=0)
    pos = g.op("Slice", [g.weight((CONTEXT, WIDTH), 0.1, "pos"), zero, seq, zero])
    t = g.op("Add", [t, pos])
    # Causal mask [1, 1, seq, seq] and padding mask [N, 1, 1, seq], both additive.
    causal = np.triu(np.full((CONTEXT, CONTEXT), -1e4, dtype=np.float32), k=1)[None, None]
    causal = g.op("Slice", [g.const(causal, "causal"), g.const(np.array([0, 0], dtype=np.int64)),
                            g.op("Concat", [seq, seq], axis=0),
                            g.const(np.array([2, 3], dtype=np.int64))])
    m = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    m = g.op("Mul", [g.op("Sub", [g.const(np.float32(1.0)), m]), g.const(np.float32(-1e4))])
    m = g.op("Unsqueeze", [m, g.const(np.array([1, 2], dtype=np.int64))])
    for _ in range(LAYERS):
        t = g.block(t, [causal, m])
    t = g.layernorm(t)  # final_layer_norm
    # End-of-text pooling: the EOT id is the largest id, so argmax finds its first occurrence.
    eot = g.op("ArgMax", [g.op("Cast", [ids], to=TensorProto.FLOAT)], axis=1, keepdims=1)
    pooled = g.op("GatherND", [t, eot], batch_dims=1)
    y = g.linear(pooled, WIDTH, EMBED, bias=False)
    g.nodes.append(helper.make_node("Identity", [y], ["text_embeds"]))
    return g.model(
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                       ["batch_size", "sequence_length"])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch_size", EMBED])],
        "tiny_clip_text",
    )


def combined_model(vision, text):
    """Both towers in one graph (the layout of a combined `model.onnx` export): three inputs, two outputs.

    Node and initialiser names are already prefixed per tower, so the union needs no renaming. The
    two batch dimensions are independent, as in real combined exports (text_batch_size, image_batch_size).
    """
    for tower, dim in ((text, "text_batch_size"), (vision, "image_batch_size")):
        for v in list(tower.graph.input) + list(tower.graph.output):
            v.type.tensor_type.shape.dim[0].dim_param = dim
    g = helper.make_graph(
        list(vision.graph.node) + list(text.graph.node),
        "tiny_clip_combined",
        list(text.graph.input) + list(vision.graph.input),
        list(text.graph.output) + list(vision.graph.output),
        list(vision.graph.initializer) + list(text.graph.initializer),
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="asal make_test_models.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def golden_frames():
    y, x = np.mgrid[0:IMAGE, 0:IMAGE]
    frames = np.zeros((4, IMAGE, IMAGE, 4), dtype=np.uint8)
    frames[0, ..., 0] = x * 8
    frames[0, ..., 1] = y * 8
    frames[0, ..., 2] = 255 - x * 4 - y * 3
    frames[1, ..., :3] = (((x // 4 + y // 4) % 2) * 255)[..., None]
    frames[2, ..., :3] = np.random.default_rng(3).integers(0, 256, (IMAGE, IMAGE, 3))
    frames[3, ..., :3] = 128
    frames[..., 3] = 255
    return frames


def write_safetensors(path, tensors):
    dtypes = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.uint8): "U8"}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    import onnxruntime as ort

    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    paths = {
        "vision": os.path.join(OUT, "onnx", "vision_model.onnx"),
        "vision16": os.path.join(OUT, "onnx", "vision_model_fp16.onnx"),
        "text": os.path.join(OUT, "onnx", "text_model.onnx"),
    }
    onnx.save(vision_model(False), paths["vision"])
    onnx.save(vision_model(True), paths["vision16"])
    onnx.save(text_model(), paths["text"])
    combined_dir = os.path.join(os.path.dirname(OUT), "tiny-clip-combined")
    os.makedirs(combined_dir, exist_ok=True)
    paths["combined"] = os.path.join(combined_dir, "model.onnx")
    onnx.save(combined_model(vision_model(False), text_model()), paths["combined"])

    for d in (OUT, combined_dir):
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump({"crop_size": {"height": IMAGE, "width": IMAGE}, "do_center_crop": True,
                       "do_normalize": True, "do_resize": True, "image_mean": MEAN.tolist(),
                       "image_std": STD.tolist(), "size": {"shortest_edge": IMAGE}}, f, indent=2)
            f.write("\n")

    frames = golden_frames()
    pixel_values = ((frames[..., :3].astype(np.float32) / 255.0 - MEAN) / STD).transpose(0, 3, 1, 2)
    pixel_values = np.ascontiguousarray(pixel_values, dtype=np.float32)

    with open(TOKEN_CASES) as f:
        cases = {c["text"]: c["input_ids"] for c in json.load(f)["cases"]}
    prompts = ["a photo of a cat", "a caterpillar", "a flock of birds, flying over the sea at dusk."]
    input_ids = np.full((len(prompts), CONTEXT), EOT, dtype=np.int64)
    mask = np.zeros((len(prompts), CONTEXT), dtype=np.int64)
    for i, p in enumerate(prompts):
        input_ids[i, :len(cases[p])] = cases[p]
        mask[i, :len(cases[p])] = 1

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    vision = ort.InferenceSession(paths["vision"], opts, providers=["CPUExecutionProvider"])
    text = ort.InferenceSession(paths["text"], opts, providers=["CPUExecutionProvider"])
    image_embeds = vision.run(["image_embeds"], {"pixel_values": pixel_values})[0]
    text_embeds = text.run(["text_embeds"], {"input_ids": input_ids, "attention_mask": mask})[0]

    # Self-checks: the fp16 twin agrees, and padding beyond the EOT token does not change the output.
    v16 = ort.InferenceSession(paths["vision16"], opts, providers=["CPUExecutionProvider"])
    e16 = v16.run(["image_embeds"], {"pixel_values": pixel_values.astype(np.float16)})[0]
    assert np.abs(e16.astype(np.float32) - image_embeds).max() < 0.05, "fp16 twin disagrees"
    n = len(cases[prompts[0]])
    short = text.run(["text_embeds"], {"input_ids": input_ids[:1, :n], "attention_mask": mask[:1, :n]})[0]
    assert np.abs(short - text_embeds[:1]).max() < 1e-4, "padding changes the text embedding"
    assert np.abs(image_embeds).max() > 0.1 and np.abs(text_embeds).max() > 0.1, "degenerate outputs"
    both = ort.InferenceSession(paths["combined"], opts, providers=["CPUExecutionProvider"])
    ci, ct = both.run(["image_embeds", "text_embeds"], {"pixel_values": pixel_values,
                                                         "input_ids": input_ids, "attention_mask": mask})
    assert np.array_equal(ci, image_embeds) and np.array_equal(ct, text_embeds), "combined model differs"

    write_safetensors(os.path.join(OUT, "goldens.safetensors"), {
        "frames": frames, "pixel_values": pixel_values, "image_embeds": image_embeds,
        "input_ids": input_ids, "attention_mask": mask, "text_embeds": text_embeds,
    })
    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        json.dump({"prompts": prompts, "onnxruntime": ort.__version__, "onnx": onnx.__version__,
                   "note": "raw (unnormalised) outputs from Python onnxruntime, CPU provider"}, f, indent=2)
        f.write("\n")
    for d in (OUT, combined_dir):
        total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
        print(f"wrote {d} ({total} bytes)")


if __name__ == "__main__":
    sys.exit(main())
