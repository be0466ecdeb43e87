import { api } from "../../api";
import type { ConditionForm, ConditionService } from "./types";

/** The backend's condition form commands for one model. */
export function backendConditions(modelId: number): ConditionService {
  return {
    toCel: (entityId: string, form: ConditionForm) => api.conditionToCel(modelId, entityId, form),
    fromCel: async (entityId: string, cel: string) => (await api.conditionFromCel(modelId, entityId, cel)) as ConditionForm | null,
    trySample: (entityId: string, cel: string, record: Record<string, unknown>) => api.tryCondition(modelId, entityId, cel, record),
  };
}
