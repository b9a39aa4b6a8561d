"""A nameko timer whose interval comes from the service's config (0 switches it off)."""

from nameko.timer import Timer


class ConfiguredTimer(Timer):
    def __init__(self, config_key: str, default: float, **kwargs) -> None:
        super().__init__(interval=default, **kwargs)
        self.config_key = config_key

    def setup(self) -> None:
        self.interval = float(self.container.config.get(self.config_key, self.interval))

    def start(self) -> None:
        if self.interval > 0:
            super().start()

    def stop(self) -> None:
        if self.interval > 0:
            super().stop()

    def kill(self) -> None:
        if self.interval > 0:
            super().kill()


configured_timer = ConfiguredTimer.decorator
