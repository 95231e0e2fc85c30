//! The GPU runtime: adapter choice, device, pipelines and bounded readbacks.
//!
//! One [`Gpu`] owns (or borrows, for the viewer) a wgpu device and queue. Every substrate builds its
//! pipelines once on it and records many steps per command buffer; the only waits are readbacks,
//! and those are bounded so a hung driver becomes an error instead of a frozen process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};

/// Environment variable naming an adapter by a substring of its name.
pub const ADAPTER_ENV: &str = "ASAL_ADAPTER";

/// How long a readback may wait for the GPU before it is reported as hung. Generous because
/// lavapipe runs large batches slowly; rerun uses 10 s for single frames for the same reason.
pub const READBACK_TIMEOUT: Duration = Duration::from_secs(600);

/// The limits that decide how many worlds fit in one dispatch.
#[derive(Clone, Debug)]
pub struct GpuLimits {
    /// Largest buffer, in bytes.
    pub max_buffer_size: u64,
    /// Largest storage-buffer binding, in bytes.
    pub max_storage_buffer_binding_size: u64,
    /// Largest workgroup count in one dimension of a dispatch.
    pub max_workgroups_per_dimension: u32,
    /// Workgroup shared memory, in bytes.
    pub max_workgroup_storage_size: u32,
    /// Invocations per workgroup.
    pub max_invocations_per_workgroup: u32,
}

/// A device and queue plus what the engine needs to know about the adapter behind them.
#[derive(Clone)]
pub struct Gpu {
    /// The device all substrate buffers and pipelines live on.
    pub device: wgpu::Device,
    /// The queue work is submitted to.
    pub queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: GpuLimits,
    first_error: Arc<Mutex<Option<String>>>,
    /// Compiled pipelines by (shader label, entry point); labels name one source each.
    pipelines: Arc<Mutex<HashMap<(String, String), wgpu::ComputePipeline>>>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("adapter", &self.info.name)
            .finish()
    }
}

impl Gpu {
    /// Opens a device on the adapter whose name contains `filter` (case-insensitive), or on
    /// `ASAL_ADAPTER`'s choice, or on the default high-performance adapter.
    pub fn new(filter: Option<&str>) -> Result<Self> {
        pollster::block_on(Self::new_async(filter))
    }

    async fn new_async(filter: Option<&str>) -> Result<Self> {
        let env_filter = std::env::var(ADAPTER_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty());
        let filter = filter.map(str::to_owned).or(env_filter);
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
        let seen = adapters
            .iter()
            .map(|a| {
                let info = a.get_info();
                format!("{} ({:?})", info.name, info.backend)
            })
            .collect::<Vec<_>>();
        let adapter = match &filter {
            Some(want) => {
                let want_lower = want.to_lowercase();
                adapters
                    .into_iter()
                    .find(|a| a.get_info().name.to_lowercase().contains(&want_lower))
            }
            None => instance
                .request_adapter(&wgpu::RequestAdapterOptions {
                    power_preference: wgpu::PowerPreference::HighPerformance,
                    ..Default::default()
                })
                .await
                .ok(),
        };
        let Some(adapter) = adapter else {
            return Err(Error::NoAdapter {
                filter: filter
                    .map(|f| format!(" matching `{f}`"))
                    .unwrap_or_default(),
                seen: if seen.is_empty() {
                    "none".into()
                } else {
                    seen.join(", ")
                },
            });
        };
        let info = adapter.get_info();
        // Ask for everything the adapter offers: big populations need big buffers.
        let required_limits = adapter.limits();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("asal"),
                required_limits,
                ..Default::default()
            })
            .await
            .map_err(|source| Error::RequestDevice {
                adapter: info.name.clone(),
                source,
            })?;
        Ok(Self::from_device(info, device, queue))
    }

    /// Wraps a device someone else created (the viewer hands in eframe's).
    #[must_use]
    pub fn from_device(info: wgpu::AdapterInfo, device: wgpu::Device, queue: wgpu::Queue) -> Self {
        let l = device.limits();
        let limits = GpuLimits {
            max_buffer_size: l.max_buffer_size,
            max_storage_buffer_binding_size: l.max_storage_buffer_binding_size,
            max_workgroups_per_dimension: l.max_compute_workgroups_per_dimension,
            max_workgroup_storage_size: l.max_compute_workgroup_storage_size,
            max_invocations_per_workgroup: l.max_compute_invocations_per_workgroup,
        };
        // wgpu's default handler panics on a validation error; record it instead and surface it
        // as an `Error` at the next wait, so bad input never aborts the process.
        let first_error: Arc<Mutex<Option<String>>> = Arc::default();
        let sink = first_error.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            tracing::error!("wgpu: {e}");
            if let Ok(mut slot) = sink.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));
        Self {
            device,
            queue,
            info,
            limits,
            first_error,
            pipelines: Arc::default(),
        }
    }

    /// The adapter behind the device.
    #[must_use]
    pub fn info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// The limits that bound batch sizes.
    #[must_use]
    pub fn limits(&self) -> &GpuLimits {
        &self.limits
    }

    /// Caps the storage binding size batches are planned with (at most the adapter's), e.g. to
    /// leave memory for a foundation model sharing the GPU; larger batches are split.
    #[must_use]
    pub fn with_max_binding_size(mut self, bytes: u64) -> Self {
        self.limits.max_storage_buffer_binding_size =
            self.limits.max_storage_buffer_binding_size.min(bytes);
        self
    }

    /// One line naming adapter, backend, type and driver.
    #[must_use]
    pub fn describe(&self) -> String {
        let i = &self.info;
        format!(
            "{} ({:?}, {:?}, driver {} {})",
            i.name, i.backend, i.device_type, i.driver, i.driver_info
        )
    }

    /// Compiles a compute pipeline with a layout derived from the shader.
    pub(crate) fn pipeline(&self, label: &str, source: &str, entry: &str) -> wgpu::ComputePipeline {
        self.pipeline_with_constants(label, source, entry, &[])
    }

    /// Compiles a compute pipeline with its `override` constants set, so the driver sees them as
    /// constants (loops of known trip count unroll, indices fold). `label` must name the source
    /// *and* the constants: it is the cache key.
    pub(crate) fn pipeline_with_constants(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        constants: &[(&str, f64)],
    ) -> wgpu::ComputePipeline {
        // Compiled once per device: batches are created every generation, and pipeline creation
        // costs from hundreds of milliseconds (lavapipe) to far more on some drivers.
        let key = (label.to_owned(), entry.to_owned());
        if let Some(p) = self
            .pipelines
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned())
        {
            return p;
        }
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                cache: None,
            });
        if let Ok(mut cache) = self.pipelines.lock() {
            cache.insert(key, pipeline.clone());
        }
        pipeline
    }

    /// Creates a storage buffer initialised with `contents`.
    pub(crate) fn storage_buffer(
        &self,
        label: &str,
        contents: &[u8],
        extra: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        use wgpu::util::DeviceExt as _;
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC
                    | extra,
            })
    }

    /// Creates a zeroed storage buffer of `size` bytes.
    pub(crate) fn storage_zeroed(&self, label: &str, size: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(4),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// Submits `encoder` and waits (bounded) for it to finish.
    pub fn submit_and_wait(&self, encoder: wgpu::CommandEncoder) -> Result<()> {
        let index = self.queue.submit([encoder.finish()]);
        self.wait(index, "running a batch")
    }

    fn wait(&self, index: wgpu::SubmissionIndex, what: &'static str) -> Result<()> {
        let poll = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: Some(READBACK_TIMEOUT),
        });
        match poll {
            Ok(_) => {}
            Err(wgpu::PollError::Timeout) => {
                return Err(Error::Timeout {
                    what,
                    seconds: READBACK_TIMEOUT.as_secs(),
                });
            }
            Err(e) => {
                // A failed submission is usually the echo of an earlier validation error: report
                // that one, it names the cause.
                self.check_errors(what)?;
                return Err(Error::Gpu {
                    what,
                    message: e.to_string(),
                });
            }
        }
        self.check_errors(what)
    }

    /// Returns the first validation error wgpu reported since the last check, if any.
    pub fn check_errors(&self, what: &str) -> Result<()> {
        let taken = self
            .first_error
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        match taken {
            Some(message) => Err(Error::Validation {
                what: what.to_owned(),
                message,
            }),
            None => Ok(()),
        }
    }

    /// Copies `size` bytes at `offset` of `buffer` to the host, after the work recorded in
    /// `encoder` (if any) has run. Waits at most [`READBACK_TIMEOUT`].
    pub fn read_buffer(
        &self,
        encoder: Option<wgpu::CommandEncoder>,
        buffer: &wgpu::Buffer,
        offset: u64,
        size: u64,
    ) -> Result<Vec<u8>> {
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder =
            encoder.unwrap_or_else(|| self.device.create_command_encoder(&Default::default()));
        encoder.copy_buffer_to_buffer(buffer, offset, &staging, 0, size);
        let index = self.queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            // The receiver outlives this callback: it is dropped only after the wait below.
            let _ = tx.send(r);
        });
        self.wait(index, "reading results back")?;
        // The submission is done, but when several threads share the device another thread's
        // poll may be the one invoking our map callback, a moment after our wait returned:
        // keep polling until it arrives (bounded).
        let deadline = std::time::Instant::now() + READBACK_TIMEOUT;
        let mapped = loop {
            match rx.recv_timeout(Duration::from_millis(5)) {
                Ok(result) => break Ok(result),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                    if std::time::Instant::now() < deadline =>
                {
                    let _ = self.device.poll(wgpu::PollType::Poll);
                }
                Err(e) => break Err(e),
            }
        };
        match mapped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(Error::Gpu {
                    what: "mapping a readback buffer",
                    message: e.to_string(),
                });
            }
            Err(_) => {
                return Err(Error::Gpu {
                    what: "mapping a readback buffer",
                    message: "the map callback never ran".into(),
                });
            }
        }
        let bytes = staging
            .get_mapped_range(..)
            .map_err(|e| Error::Gpu {
                what: "mapping a readback buffer",
                message: e.to_string(),
            })?
            .to_vec();
        staging.unmap();
        Ok(bytes)
    }
}
