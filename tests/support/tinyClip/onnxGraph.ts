/**
 * Just enough ONNX protobuf building (through `onnx-proto`) to write the two
 * tiny CLIP graphs: float/int64 initialisers, dynamic-shape inputs and
 * outputs, nodes with int/ints attributes, and one serialised opset-13 model.
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

export type ElementType = 'float' | 'int64';

/** A dimension is either fixed (a number) or named and dynamic (a string). */
export type Dimension = number | string;

export function valueInfo(name: string, elementType: ElementType, shape: readonly Dimension[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elementType === 'float' ? DataType.FLOAT : DataType.INT64,
        shape: { dim: shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

export function floatInitializer(name: string, dims: readonly number[], values: ArrayLike<number>): OnnxTypes.ITensorProto {
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (values.length !== expected) throw new Error(`${name}: ${values.length} values for shape [${dims.join(', ')}]`);
  return { name, dims: [...dims], dataType: DataType.FLOAT, floatData: Array.from(values) };
}

export function int64Initializer(name: string, values: readonly number[]): OnnxTypes.ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, int64Data: [...values] };
}

type AttributeValue = number | readonly number[];

export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Record<string, AttributeValue> = {},
): OnnxTypes.INodeProto {
  return {
    opType,
    name: `${opType}_${outputs[0]}`,
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(attributes).map(([name, value]) =>
      typeof value === 'number'
        ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
        : { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] },
    ),
  };
}

export const CAST_TO_FLOAT = DataType.FLOAT;

export interface GraphSpec {
  name: string;
  inputs: OnnxTypes.IValueInfoProto[];
  outputs: OnnxTypes.IValueInfoProto[];
  initializers: OnnxTypes.ITensorProto[];
  nodes: OnnxTypes.INodeProto[];
}

/** Serialises a graph as an IR-version-8, opset-13 model (any onnxruntime since 1.10 runs it). */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'imageprompt-tiny-clip',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: graph.name,
      input: graph.inputs,
      output: graph.outputs,
      initializer: graph.initializers,
      node: graph.nodes,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
