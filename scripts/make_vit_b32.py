#!/usr/bin/env python3
"""Write a ViT-B/32-shaped CLIP image tower with random weights, for benchmarks (not committed).

The graph is CLIP ViT-B/32's vision model as the transformers.js / Optimum exports lay it out:
pixel_values f32 [batch, 3, 224, 224] -> patch conv (32x32, stride 32, no bias) -> class token +
position embeddings -> pre-layernorm -> 12 pre-LN blocks (width 768, 12 heads, QuickGELU MLP 3072)
-> post-layernorm of the class token -> projection 768 -> 512 (image_embeds f32 [batch, 512]).
Same operator count and FLOPs as the real model (~4.4 GFLOPs per image), so inference speed is the
real model's; the weights are random, so the embeddings mean nothing.

Usage: make_vit_b32.py OUT_DIR [--layers N] [--seed S]
Writes OUT_DIR/onnx/vision_model.onnx (~350 MB) and OUT_DIR/preprocessor_config.json; run it
under target/ or a temp dir. Needs numpy and onnx (the project's .venv has both).
"""

import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IMAGE, PATCH, WIDTH, HEADS, MLP, EMBED = 224, 32, 768, 12, 3072, 512
OPSET = 17


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, value, hint="const"):
        n = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def weight(self, shape, scale, hint="w"):
        return self.const(self.rng.standard_normal(shape, dtype=np.float32) * np.float32(scale), hint)

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def layernorm(self, x):
        gamma = self.const(np.ones(WIDTH, dtype=np.float32), "ln_g")
        beta = self.const(np.zeros(WIDTH, dtype=np.float32), "ln_b")
        return self.op("LayerNormalization", [x, gamma, beta], axis=-1, epsilon=1e-5)

    def linear(self, x, n_in, n_out, bias=True):
        y = self.op("MatMul", [x, self.weight((n_in, n_out), n_in**-0.5)])
        if bias:
            y = self.op("Add", [y, self.weight((n_out,), 0.02, "b")])
        return y

    def block(self, x):
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
        a = self.op("MatMul", [self.op("Softmax", [s], axis=-1), v])
        a = self.op("Reshape", [self.op("Transpose", [a], perm=[0, 2, 1, 3]), merge])
        x = self.op("Add", [x, self.linear(a, WIDTH, WIDTH)])
        h = self.linear(self.layernorm(x), WIDTH, MLP)
        h = self.op("Mul", [h, self.op("Sigmoid", [self.op("Mul", [h, self.const(np.float32(1.702))])])])
        return self.op("Add", [x, self.linear(h, MLP, WIDTH)])


def vision_model(layers, seed):
    g = Graph(seed)
    n_patches = (IMAGE // PATCH) ** 2
    p = g.op("Conv", ["pixel_values", g.weight((WIDTH, 3, PATCH, PATCH), (3 * PATCH * PATCH) ** -0.5)],
             kernel_shape=[PATCH, PATCH], strides=[PATCH, PATCH])
    p = g.op("Reshape", [p, g.const(np.array([0, WIDTH, n_patches], dtype=np.int64))])
    p = g.op("Transpose", [p], perm=[0, 2, 1])
    batch = g.op("Slice", [g.op("Shape", [p]), g.const(np.array([0], dtype=np.int64)),
                           g.const(np.array([1], dtype=np.int64))])
    cls_shape = g.op("Concat", [batch, g.const(np.array([1, WIDTH], dtype=np.int64))], axis=0)
    cls = g.op("Expand", [g.weight((1, 1, WIDTH), 0.5, "cls"), cls_shape])
    t = g.op("Add", [g.op("Concat", [cls, p], axis=1), g.weight((1, n_patches + 1, WIDTH), 0.1, "pos")])
    t = g.layernorm(t)
    for _ in range(layers):
        t = g.block(t)
    c = g.op("Gather", [t, g.const(np.array(0, dtype=np.int64))], axis=1)
    y = g.linear(g.layernorm(c), WIDTH, EMBED, bias=False)
    g.nodes.append(helper.make_node("Identity", [y], ["image_embeds"]))
    graph = helper.make_graph(
        g.nodes, "vit_b32_random", [
            helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch_size", 3, IMAGE, IMAGE])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch_size", EMBED])],
        g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="asal make_vit_b32.py")
    m.ir_version = 8
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    path = os.path.join(args.out, "onnx", "vision_model.onnx")
    tmp = path + ".tmp"
    onnx.save(vision_model(args.layers, args.seed), tmp)
    os.replace(tmp, path)  # a half-written model never sits under the final name
    with open(os.path.join(args.out, "preprocessor_config.json"), "w") as f:
        json.dump({"crop_size": IMAGE, "image_mean": [0.48145466, 0.4578275, 0.40821073],
                   "image_std": [0.26862954, 0.26130258, 0.27577711]}, f, indent=1)
    print(path)


if __name__ == "__main__":
    main()
