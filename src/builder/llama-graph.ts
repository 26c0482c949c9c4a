import { DecoderGraphBuilder } from './decoder-graph';

/**
 * LlamaForCausalLM: the decoder without q/k/v biases (unless `attention_bias`), and with Llama 3's RoPE
 * scaling when the config asks for it: long wavelengths are slowed by `factor`, short ones kept, and those
 * between blended smoothly (Hugging Face's `_compute_llama3_parameters`).
 */
export class LlamaGraphBuilder extends DecoderGraphBuilder {
  protected override inverseFrequencies(): Float64Array {
    const plain = super.inverseFrequencies();
    const scaling = this.spec.ropeScaling;
    if (!scaling) return plain;
    const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: context } = scaling;
    const longestKept = context / highFreqFactor;
    const shortestSlowed = context / lowFreqFactor;
    return plain.map((frequency) => {
      const wavelength = (2 * Math.PI) / frequency;
      if (wavelength < longestKept) return frequency;
      if (wavelength > shortestSlowed) return frequency / factor;
      const smooth = (context / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      return (1 - smooth) * (frequency / factor) + smooth * frequency;
    });
  }
}
