import { useState, type DragEvent, type ReactNode } from 'react';

interface DropZoneProps {
  readonly disabled: boolean;
  readonly onFile: (file: File) => void | Promise<void>;
  readonly children: ReactNode;
}

/** A region that accepts one dropped file; the buttons inside remain the keyboard path. */
export function DropZone({ disabled, onFile, children }: DropZoneProps) {
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
    const file = event.dataTransfer.files[0];
    if (!disabled && file) void onFile(file);
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
