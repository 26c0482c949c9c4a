import { useEffect, useState } from 'react';
import { z } from 'zod';

const ServedModelsSchema = z.object({ models: z.array(z.object({ name: z.string(), dtypes: z.array(z.string()) })) });
type ServedModel = z.infer<typeof ServedModelsSchema>['models'][number];

/** The models this site serves under /models/ (its index.json); none where the host lists nothing. */
function useServedModels(): ServedModel[] {
  const [models, setModels] = useState<ServedModel[]>([]);
  useEffect(() => {
    let live = true;
    fetch('/models/index.json')
      .then((response) => (response.ok ? response.json() : null))
      .then((body: unknown) => {
        const parsed = ServedModelsSchema.safeParse(body);
        if (live && parsed.success) setModels(parsed.data.models);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return models;
}

/** The site's models as suggestions for the Model field, and as one-click choices. */
export function ServedModels({ listId, onPick }: { listId: string; onPick: (name: string) => void }) {
  const models = useServedModels();
  if (models.length === 0) return null;
  return (
    <>
      <datalist id={listId}>
        {models.map((m) => (
          <option key={m.name} value={m.name} />
        ))}
      </datalist>
      <p className="hint" data-testid="served-models">
        This site serves:{' '}
        {models.map((m, index) => (
          <span key={m.name}>
            {index > 0 && ', '}
            <button type="button" className="link" onClick={() => onPick(m.name)}>
              {m.name}
            </button>{' '}
            ({m.dtypes.join(', ')})
          </span>
        ))}
      </p>
    </>
  );
}
