/**
 * The controls a sample can test: the shared control library (stable ids, titles, the
 * finding codes that are each control's exceptions, default manual attributes). The one
 * place the sampling screens read controls from.
 */
import {
  CONTROL_LIBRARY,
  controlById as libraryControl,
  type ControlDefinition,
} from '../../../shared/controls/library.ts';

export type SampleControl = ControlDefinition;
export type { TestAttribute as Attribute } from '../../../shared/controls/library.ts';

export const SAMPLE_CONTROLS: readonly SampleControl[] = CONTROL_LIBRARY;

export function controlById(id: string | undefined): SampleControl | undefined {
  return id === undefined ? undefined : (libraryControl(id) ?? undefined);
}
