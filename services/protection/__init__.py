"""Protection sector: cases at three levels, special circumstances, alternative care, allowances."""
