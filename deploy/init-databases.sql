-- One database per vault (compose.yaml): the Medical Vault's is made by POSTGRES_DB, these are
-- the two CRMs'. Run once, by the postgres image, when its data volume is new.
create database crm_na;
create database crm_eu;
