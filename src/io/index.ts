// tessera/io: files (Node only): atomic writes, safetensors, IDX, dataset loaders.
export { writeFileAtomic, readFileChecked, isFile, type FileData } from './atomicWrite.js';
export { ensureDirectory, listDirectory, removeFile } from './files.js';
export { readJsonFile, readHfConfig } from './jsonFile.js';
export { HfConfig } from './hfConfig.js';
export { parseJsonText } from './jsonText.js';
export {
  parseSafetensors, parseSafetensorsHeader, readSafetensors, readSafetensorsHeader, readSafetensorsFrom, readSafetensorsHeaderFrom, serializeSafetensors, serializeSafetensorsChunks, concatChunks, writeSafetensors,
  MAX_HEADER_BYTES, SAFETENSORS_ITEMSIZE,
  type SafetensorsFile, type SafetensorsDType, type SafetensorsEntry, type SafetensorsHeader, type ReadOptions, type WriteOptions,
} from './safetensors.js';
export { f32BitsToF16Bits, f32BitsToBf16Bits, decodeF16, decodeBf16, encodeHalf } from '../core/halfFloat.js';
export { parseIdx, readIdx, type IdxArrayFile, type IdxArray, type IdxDType, type IdxOptions } from './idx.js';
export {
  loadFashionMnist, loadMnistDigits, loadIdxDataset, FASHION_MNIST_DIR,
  type IdxDatasetOptions, type ImageDataset, type DatasetSplits,
} from './datasets.js';
export {
  encodeCheckpoint, serializeCheckpoint, decodeCheckpoint, parseCheckpoint, parseCheckpointManifest, isCheckpointManifest, isTrainingCheckpoint,
  CHECKPOINT_FORMAT, CHECKPOINT_MANIFEST_FORMAT, CHECKPOINT_MANIFEST,
  type TrainingCheckpoint, type SparsityCheckpoint, type Preprocessing, type CheckpointManifest, type ManifestEntry,
} from './checkpoint.js';
export { denseNetworkModel, matmulModel, ONNX_ACTIVATIONS, type OnnxDenseLayer } from './onnxModel.js';
export { loadOrt, createOrtDense, createOrtModel, type OrtLoad, type OrtDense, type OrtModule } from './onnxRuntime.js';
export { availableMemoryBytes } from './memory.js';
export { bytesDirectory, joinPath, type DirectoryReader, type RandomAccessFile } from './directoryReader.js';
export { diskDirectory, openDiskFile } from './diskDirectory.js';
export { parseJsonBytes } from './jsonBytes.js';
