//! What a pod spec reads from Secrets and ConfigMaps: env variables
//! (`secretKeyRef`, `configMapKeyRef`), whole objects (`envFrom`) and
//! mounted volumes (plain or projected), each with how it is read.

use crate::object::PodSpec;

/// Whether a reference is to a Secret or a ConfigMap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectKind {
    /// A Secret.
    Secret,
    /// A ConfigMap.
    ConfigMap,
}

/// One way a pod spec reads a Secret or ConfigMap.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// Secret or ConfigMap.
    pub kind: ObjectKind,
    /// Its name (in the pod's namespace).
    pub name: String,
    /// The key read, when one key is (`None`: every key).
    pub key: Option<String>,
    /// How, for people: `env DB_PASSWORD of container api`.
    pub how: String,
}

/// Every Secret and ConfigMap reference of `spec`, in container order.
pub fn references(spec: &PodSpec) -> Vec<Reference> {
    let mut found = Vec::new();
    for container in spec.all_containers() {
        let of = &container.name;
        for env in &container.env {
            let Some(from) = &env.value_from else {
                continue;
            };
            let sources = [
                (ObjectKind::Secret, &from.secret_key_ref),
                (ObjectKind::ConfigMap, &from.config_map_key_ref),
            ];
            for (kind, reference) in sources {
                if let Some(reference) = reference
                    && let Some(name) = &reference.name
                {
                    found.push(Reference {
                        kind,
                        name: name.clone(),
                        key: reference.key.clone(),
                        how: format!("env {} of container {of}", env.name),
                    });
                }
            }
        }
        for from in &container.env_from {
            let sources = [
                (ObjectKind::Secret, &from.secret_ref),
                (ObjectKind::ConfigMap, &from.config_map_ref),
            ];
            for (kind, reference) in sources {
                if let Some(name) = reference.as_ref().and_then(|r| r.name.clone()) {
                    found.push(Reference {
                        kind,
                        name,
                        key: None,
                        how: format!("envFrom of container {of}"),
                    });
                }
            }
        }
        for mount in &container.volume_mounts {
            let Some(volume) = spec.volume(&mount.name) else {
                continue;
            };
            let how = format!(
                "volume {} at {} of container {of}",
                volume.name, mount.mount_path
            );
            let projected = volume.projected.iter().flat_map(|p| &p.sources);
            let secrets = volume
                .secret
                .iter()
                .filter_map(|s| s.secret_name.clone())
                .chain(
                    projected
                        .clone()
                        .filter_map(|s| s.secret.as_ref().and_then(|r| r.name.clone())),
                )
                .map(|name| (ObjectKind::Secret, name));
            let maps = volume
                .config_map
                .iter()
                .filter_map(|r| r.name.clone())
                .chain(projected.filter_map(|s| s.config_map.as_ref().and_then(|r| r.name.clone())))
                .map(|name| (ObjectKind::ConfigMap, name));
            for (kind, name) in secrets.chain(maps) {
                found.push(Reference {
                    kind,
                    name,
                    key: None,
                    how: how.clone(),
                });
            }
        }
    }
    found
}
