import { useId } from 'react';

/** A labelled file input that hands over the chosen file and clears itself, so the same file can be chosen again. */
export function FileInput({ label, accept, onFile }: { label: string; accept: string; onFile: (file: File) => void }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="file">
        {label}
      </label>
      <input
        id={id}
        type="file"
        accept={accept}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onFile(file);
          e.target.value = '';
        }}
      />
    </>
  );
}
