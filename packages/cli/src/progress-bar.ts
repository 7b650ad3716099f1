// cli-progress, bundled into its own chunk and loaded only when a bar is drawn (static named
// imports keep the bundled CommonJS module's exports).
export { Presets, SingleBar } from 'cli-progress';
