{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "fl-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix: the release name, plus the chart name unless already in it. */}}
{{- define "fl-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object the chart renders. */}}
{{- define "fl-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "fl-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fl-operator
{{- end -}}

{{/* Labels that select the operator pods (immutable in the Deployment selector). */}}
{{- define "fl-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fl-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "fl-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fl-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "fl-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "fl-operator.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{- define "fl-operator.leaderElectionId" -}}
{{- default (printf "%s-leader" (include "fl-operator.fullname" .)) .Values.leaderElection.id -}}
{{- end -}}

{{/* Name of the metrics Service; Prometheus' `job` label for the operator when scraped through it. */}}
{{- define "fl-operator.metricsServiceName" -}}
{{- printf "%s-metrics" (include "fl-operator.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The manager rules (files/rbac-rules.yaml) as a YAML list. */}}
{{- define "fl-operator.managerRules" -}}
{{- (.Files.Get "files/rbac-rules.yaml" | fromYaml).manager | toYaml -}}
{{- end -}}

{{- define "fl-operator.leaderElectionRules" -}}
{{- (.Files.Get "files/rbac-rules.yaml" | fromYaml).leaderElection | toYaml -}}
{{- end -}}
