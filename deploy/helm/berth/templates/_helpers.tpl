{{- define "berth.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{- define "berth.labels" -}}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "berth.name" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* Stops the install with what to set, rather than a controller that crash-loops on it. */}}
{{- define "berth.validate" -}}
{{- $ledger := .Values.ledger.type -}}
{{- if not (has $ledger (list "sqlite" "postgres")) -}}
{{- fail (printf "ledger.type: expected sqlite or postgres, got %q" (toString $ledger)) -}}
{{- end -}}
{{- if and (eq $ledger "sqlite") (gt (int .Values.replicaCount) 1) -}}
{{- fail "replicaCount: the SQLite ledger is one file with one writer, so it runs one replica; for two, set ledger.type=postgres and ledger.postgres.secretName" -}}
{{- end -}}
{{- if and (eq $ledger "postgres") (not .Values.ledger.postgres.secretName) -}}
{{- fail "ledger.postgres.secretName: the Secret holding the PostgreSQL URL is required with ledger.type=postgres" -}}
{{- end -}}
{{- $provider := .Values.controller.provider -}}
{{- if not (has $provider (list "aws" "local")) -}}
{{- fail (printf "controller.provider: expected aws or local, got %q" (toString $provider)) -}}
{{- end -}}
{{- if eq $provider "aws" -}}
{{- $aws := .Values.aws -}}
{{- $hint := "(or set controller.provider=local for a sandbox cluster whose Nodes kwok runs)" -}}
{{- if not $aws.clusterName -}}
{{- fail (printf "aws.clusterName: the EKS cluster the nodes join is required with controller.provider=aws %s" $hint) -}}
{{- end -}}
{{- if not $aws.clusterEndpoint -}}
{{- fail "aws.clusterEndpoint: the EKS API server URL the nodes join is required (aws eks describe-cluster --query cluster.endpoint)" -}}
{{- end -}}
{{- if not $aws.clusterCA -}}
{{- fail "aws.clusterCA: the cluster's CA bundle, base64, is required (aws eks describe-cluster --query cluster.certificateAuthority.data)" -}}
{{- end -}}
{{- if empty $aws.subnets -}}
{{- fail "aws.subnets: at least one zone: subnet pair is required, e.g. {us-east-1a: subnet-0abc}" -}}
{{- end -}}
{{- if empty $aws.securityGroups -}}
{{- fail "aws.securityGroups: at least one security group id is required, e.g. [sg-0abc]" -}}
{{- end -}}
{{- if and (not $aws.launchTemplate) (empty $aws.ami) -}}
{{- fail "aws.launchTemplate or aws.ami: one is required (a launch template, or an AMI per architecture)" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* One BERTH_AWS_* variable per `berth run --aws-*` flag that has a value. */}}
{{- define "berth.awsEnv" -}}
{{- $aws := .Values.aws -}}
{{- $subnets := list -}}
{{- range $zone, $subnet := $aws.subnets -}}
{{- $subnets = append $subnets (printf "%s=%s" $zone $subnet) -}}
{{- end -}}
{{- $amis := list -}}
{{- range $arch, $ami := $aws.ami -}}
{{- $amis = append $amis (printf "%s=%s" $arch $ami) -}}
{{- end -}}
{{- $vars := dict
  "BERTH_AWS_REGION" $aws.region
  "BERTH_AWS_SUBNETS" (join "," $subnets)
  "BERTH_AWS_SECURITY_GROUPS" (join "," $aws.securityGroups)
  "BERTH_AWS_LAUNCH_TEMPLATE" $aws.launchTemplate
  "BERTH_AWS_AMI" (join "," $amis)
  "BERTH_AWS_INSTANCE_PROFILE" $aws.instanceProfile
  "BERTH_AWS_CLUSTER_NAME" $aws.clusterName
  "BERTH_AWS_CLUSTER_ENDPOINT" $aws.clusterEndpoint
  "BERTH_AWS_CLUSTER_CA" $aws.clusterCA
  "BERTH_AWS_SERVICE_CIDR" $aws.serviceCidr
  "BERTH_AWS_ENDPOINT" $aws.endpoint
  "BERTH_AWS_INTERRUPTION_QUEUE" $aws.interruptionQueue
  "BERTH_AWS_FARGATE_ROLE" $aws.fargateRole
  "BERTH_AWS_FARGATE_SUBNETS" (join "," $aws.fargateSubnets)
  "BERTH_AWS_LAUNCH_BATCH_WINDOW" (toString (default "" $aws.launchBatchWindow))
-}}
{{- range $name, $value := $vars }}
{{- if $value }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- end -}}
