import type { AllEntities, Entity } from 'n8n-workflow';

type SmdRegistryMap = {
	patient: 'get' | 'importFile' | 'search' | 'upsert';
	followUp: 'importFile' | 'record';
	list: 'match' | 'readFile' | 'triage';
	workList: 'buildDaily';
};

export type SmdRegistryType = AllEntities<SmdRegistryMap>;

export type SmdRegistryPatient = Entity<SmdRegistryMap, 'patient'>;
export type SmdRegistryFollowUp = Entity<SmdRegistryMap, 'followUp'>;
export type SmdRegistryList = Entity<SmdRegistryMap, 'list'>;
export type SmdRegistryWorkList = Entity<SmdRegistryMap, 'workList'>;
