// The shape of a language model, as the analytic tools see it: widths, depths, head counts and, per family,
// the MoE or Mamba2 dimensions — no weights. One type for the sizing model (src/sizing: the GEMMs of a layer)
// and the layout planner (src/parallel/planner.ts: memory and traffic per layout), so a shape read from a
// preset or a Hugging Face config.json means the same to both.
//
// Units: counts of elements or heads (no bytes). Families:
//   transformer  dense decoder, attention heads·headDim wide, gated MLP of width ffn
//   zaya1        CCA attention (heads = compressed query heads) and a top-k MoE of SwiGLU experts
//   zamba2       Mamba2 layers plus a shared attention block at width 2·hidden at the hybrid layers

export interface MambaShape {
  /** d_in = expand · hidden. */
  dInner: number;
  /** H heads of P = dInner/H channels. */
  heads: number;
  dState: number;
  groups: number;
}

export interface ModelShape {
  name: string;
  family: 'transformer' | 'zaya1' | 'zamba2';
  hidden: number;
  /** Layers of the family's repeating unit: transformer blocks; ZAYA1 CCA+MoE blocks; Zamba2 Mamba layers. */
  layers: number;
  vocab: number;
  /** Attention heads (ZAYA1: the query heads after compression) and key/value heads. */
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Gated MLP width (the post-activation width f; fc1 is 2f wide). 0 when the family has none per layer. */
  ffn: number;
  /** MoE (ZAYA1). */
  experts?: number;
  expertFfn?: number;
  topK?: number;
  routerDim?: number;
  /** Zamba2. */
  mamba?: MambaShape;
  hybridLayers?: number;
  adapterRank?: number;
  /** Where the numbers come from. */
  source: string;
}
