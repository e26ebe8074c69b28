import { useState, type DragEvent, type ReactNode } from 'react';

interface DropZoneProps {
  readonly disabled: boolean;
  /** The files dropped together (one archive, an ExecLayer log, a v4 journal's two files). */
  readonly onFiles: (files: File[]) => void | Promise<void>;
  /** One folder dropped alone, where the browser gives folders (a v4 journal's folder). */
  readonly onFolder: (folder: FileSystemDirectoryEntry) => void | Promise<void>;
  readonly children: ReactNode;
}

/** A region that accepts dropped files or a folder; the buttons inside remain the keyboard path. */
export function DropZone({ disabled, onFiles, onFolder, children }: DropZoneProps) {
  const [over, setOver] = useState(false);
  const onDragOver = (event: DragEvent) => {
    if (disabled || !event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (disabled) return;
    // Entries can be asked for only during the drop event itself.
    const entries = [...event.dataTransfer.items]
      .filter((item) => item.kind === 'file')
      .map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null));
    const folder = entries.length === 1 && entries[0]?.isDirectory ? (entries[0] as FileSystemDirectoryEntry) : null;
    if (folder) void onFolder(folder);
    else {
      const files = [...event.dataTransfer.files];
      if (files.length > 0) void onFiles(files);
    }
  };
  return (
    <section
      className={`drop-zone${over ? ' drop-zone-over' : ''}`}
      aria-label="Open an archive"
      data-testid="drop-zone"
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      {children}
    </section>
  );
}
