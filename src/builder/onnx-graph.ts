import onnxProto from 'onnx-proto';
import type { ExternalDataWriter } from './external-data';

const { onnx } = onnxProto;
export const DataType = onnx.TensorProto.DataType;
export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8';

const ONNX_TYPE: Record<ElementType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  uint8: DataType.UINT8,
};

export type Dim = number | string;
export type AttributeValue = number | string | number[] | { float: number };

/**
 * A small ONNX graph assembler: nodes, typed inputs/outputs, and initializers whose bytes go straight to
 * external data as they are added, so no weight stays in memory once written.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly usedNames = new Set<string>();

  constructor(private readonly externalData: ExternalDataWriter) {}

  /** A value name not used before, derived from `hint`. */
  name(hint: string): string {
    let candidate = hint;
    for (let i = 1; this.usedNames.has(candidate); i++) candidate = `${hint}_${i}`;
    this.usedNames.add(candidate);
    return candidate;
  }

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.usedNames.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a node; returns its output names (generated from the node name unless given). */
  node(
    opType: string,
    inputs: string[],
    options: { name: string; outputs?: (string | number)[]; domain?: string; attributes?: Record<string, AttributeValue> },
  ): string[] {
    const outputNames = (options.outputs ?? [1]).map((o, i) =>
      typeof o === 'string' ? o : o === 0 ? '' : this.name(`${options.name}/output_${i}`),
    );
    this.nodes.push({
      name: options.name,
      opType,
      domain: options.domain ?? '',
      input: inputs,
      output: outputNames,
      attribute: Object.entries(options.attributes ?? {}).map(([key, value]) => attribute(key, value)),
    });
    return outputNames;
  }

  /** One node, one output. */
  op(opType: string, inputs: string[], name: string, attributes?: Record<string, AttributeValue>, domain?: string): string {
    return this.node(opType, inputs, { name, attributes, domain })[0]!;
  }

  /** A small constant stored inside the .onnx file. */
  constant(hint: string, type: 'int64' | 'int32' | 'float32', dims: number[], values: number[]): string {
    const name = this.name(hint);
    const tensor: onnxProto.onnx.ITensorProto = { name, dataType: ONNX_TYPE[type], dims };
    if (type === 'int64') tensor.int64Data = values;
    else if (type === 'int32') tensor.int32Data = values;
    else tensor.floatData = values;
    this.initializers.push(tensor);
    return name;
  }

  /** A weight whose bytes are produced in pieces by `produce` and streamed to external data. */
  /** The weights added so far form whole units of work: a resumed conversion may keep them. */
  commit(): Promise<void> {
    return this.externalData.commit();
  }

  /**
   * Adds an initializer whose bytes `produce` appends. `produce` is not called when a resumed conversion
   * already holds the bytes, so it must do all the reading and computing for them itself.
   */
  async weight(
    hint: string,
    type: ElementType,
    dims: number[],
    produce: (append: (bytes: Uint8Array) => Promise<void>) => Promise<void>,
  ): Promise<string> {
    const name = this.name(hint);
    const length = dims.reduce((a, b) => a * b, 1) * bytesPerElement(type);
    const ref = await this.externalData.begin(name, length);
    if (!ref.kept) await produce((bytes) => this.externalData.append(bytes));
    this.initializers.push({
      name,
      dataType: ONNX_TYPE[type],
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: ref.location },
        { key: 'offset', value: String(ref.offset) },
        { key: 'length', value: String(ref.length) },
      ],
    });
    return name;
  }

  /** Serialises the model. Call after every weight has been written. */
  encode(graphName: string, opsetImports: { domain: string; version: number }[]): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'referee-convert',
      opsetImport: opsetImports,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

export function bytesPerElement(type: ElementType): number {
  return type === 'float32' || type === 'int32' ? 4 : type === 'float16' ? 2 : type === 'int64' ? 8 : 1;
}

function valueInfo(name: string, type: ElementType, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INT, i: value };
}
